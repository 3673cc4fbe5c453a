from callsite.cli import main

raise SystemExit(main())
