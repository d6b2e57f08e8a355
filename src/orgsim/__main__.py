from orgsim.cli import main

raise SystemExit(main())
