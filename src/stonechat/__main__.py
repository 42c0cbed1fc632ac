from stonechat.cli.main import run

run()
