from zerotrail.cli import main

main()
