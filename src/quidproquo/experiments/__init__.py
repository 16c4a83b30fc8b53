"""What researchers run on the engine: runs, sweeps, comparisons, decomposition, sensitivity, calibration, theory, and their figures and summaries."""
