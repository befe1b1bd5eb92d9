from sealpost.cli.main import run

run()
