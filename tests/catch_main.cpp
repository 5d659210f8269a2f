// Catch2's main, in its own translation unit because it compiles slowly.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
