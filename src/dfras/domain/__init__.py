"""The floor every concern may import: tables, reference codes, themes, errors, glossary."""
