// Issue 17 — written by the OBS engineer (see /tmp/brief17.md); no test cases yet.
