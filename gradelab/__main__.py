from gradelab.cli import main

main()
