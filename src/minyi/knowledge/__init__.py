"""宣介 and 廓清/引导纠正: the knowledge base (知识库) and public explanations (政策解读 / 辟谣)."""
