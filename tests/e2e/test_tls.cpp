// Issue 17 — written by the TLS-C engineer (see /tmp/brief17.md); no test cases yet.
