"""'Is it true?': the corrections library, residents' questions, and corrections pushed where rumours travel."""
