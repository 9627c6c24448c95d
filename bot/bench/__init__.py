"""Chat benchmark: concurrent websocket shoppers against one shopbot
(``python -m bot.bench``, ``make bench-chat``); see cli.py and README.md."""
