from voiceinterviewer.cli import main

raise SystemExit(main())
