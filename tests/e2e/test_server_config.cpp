// Issue 17 — written by the CONFIG engineer (see /tmp/brief17.md); no test cases yet.
