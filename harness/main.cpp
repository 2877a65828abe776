#include "harness/cli.h"

int main(int argc, char** argv) { return suanli::run_cli(argc, argv); }
