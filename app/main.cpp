// The stampsim executable: everything lives in app/cli.cpp so that tests can run it.
#include <iostream>

#include "app/cli.h"

int main(int argc, char** argv) { return app::run_cli(argc, argv, std::cout, std::cerr); }
