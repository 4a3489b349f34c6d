"""Support for the task layer (the task wrapper, settings and prompts, CLI process setup): with
``entrypoints/`` and render modules, the only code that touches invoke and rich. Task modules
import it; it imports no task module."""
