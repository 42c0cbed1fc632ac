"""The ``stonechat`` command line."""
