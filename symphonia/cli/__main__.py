"""`python -m symphonia.cli`: the same command as `symphonia`, for environments without the
console script on PATH (tests start servers and workers this way)."""

from symphonia.cli import main

main()
