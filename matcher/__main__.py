from matcher.serve import main

main()
