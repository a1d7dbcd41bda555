"""Everything that touches the outside news world: fetching, parsing and understanding feeds."""
