"""Running glifs: a fair queue, live progress, safe media download, rendering, history."""
