"""Reply templates (答复模板) per department and appeal kind, and the reply quality check before publishing."""
