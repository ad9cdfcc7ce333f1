"""代录入: staff enter the messages citizens gave by phone, letter, in person or online, as cases like any other."""
