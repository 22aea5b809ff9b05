"""The program's meetings: attendance recorded by the content advisor or program staff."""
