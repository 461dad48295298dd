def handler(): pass
