"""One module per console section; each exports `routes`."""
