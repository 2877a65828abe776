"""A problem with the user's input that the generator finds (an unknown --price device):
one line on stderr and exit code 3, which suanli reports as bad input (exit 2)."""

EXIT_USAGE = 3


class UsageProblem(Exception):
    pass
