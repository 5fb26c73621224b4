"""Local servers that speak each provider's documented protocol; demo mode and the tests share them."""
