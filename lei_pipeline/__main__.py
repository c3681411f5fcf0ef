from lei_pipeline.cli.console import main

if __name__ == "__main__":   # a guard: worker processes (spawn) import this module again
    main()
