"""Model: fixed-point values, identifiers, instruments and market data."""
