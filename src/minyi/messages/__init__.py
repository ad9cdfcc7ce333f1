"""Citizens' messages (留言): submission, the public board, tracking links."""
