"""Pure parsers, one module per endpoint family: decoded device JSON in, model parts out."""
