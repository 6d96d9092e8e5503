//! Reports: text (the sections geneva users know), JSON, and HTML for notebooks.
