async def test_start_shows_language_choice(bot, user_factory):
    mei = user_factory(language_code="en")
    r = await mei.send("/start")
    assert "Choose your language" in r.text
    assert "✅ English" in r.inline_buttons()
