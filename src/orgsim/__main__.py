from orgsim.cli.commands import main

raise SystemExit(main())
