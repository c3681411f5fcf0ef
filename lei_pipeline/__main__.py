from lei_pipeline.cli.app import main

main()
