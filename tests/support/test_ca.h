// Test certificates made with the openssl command (issue 17, TLS-S engineer).
#pragma once
