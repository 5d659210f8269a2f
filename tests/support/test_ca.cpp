// Test certificates made with the openssl command (issue 17, TLS-S engineer).
#include "support/test_ca.h"
