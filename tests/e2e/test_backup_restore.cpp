// Issue 17 — written by the BACKUP engineer (see /tmp/brief17.md); no test cases yet.
