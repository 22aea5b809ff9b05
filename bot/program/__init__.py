"""Program rules as data: the program definition file, its model and its calendar.

Everything program-specific (topics, deadlines, checklists, settings) comes from a TOML file;
`load_program()` reads the shipped BMIT 2024-25 program, `roll_program()` drafts next year's.
"""

from bot.program.calendar import Break, Deadline, Rule
from bot.program.kinds import StepKind
from bot.program.loader import default_program_path, load_program, load_programs, loads_program
from bot.program.model import (
    Area,
    ChecklistCategory,
    ExperienceSelection,
    Form,
    Program,
    ProgramError,
    QuietHours,
    Settings,
    Topic,
    Track,
)
from bot.program.roll import roll_program
from bot.program.steps import Step, Upload

__all__ = [
    "Area",
    "Break",
    "ChecklistCategory",
    "Deadline",
    "ExperienceSelection",
    "Form",
    "Program",
    "ProgramError",
    "QuietHours",
    "Rule",
    "Settings",
    "Step",
    "StepKind",
    "Topic",
    "Track",
    "Upload",
    "default_program_path",
    "load_program",
    "load_programs",
    "loads_program",
    "roll_program",
]
