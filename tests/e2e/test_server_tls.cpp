// Issue 17 — written by the TLS-S engineer (see /tmp/brief17.md); no test cases yet.
