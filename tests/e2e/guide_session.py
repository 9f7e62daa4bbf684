"""Run a guide's ``console`` blocks as a shell session and check what they print.

In a ```console block, ``$ COMMAND`` lines are run in order (bash, one shared folder and
environment); the lines after a command, up to the next one, are fragments its output
(stdout and stderr) must contain. Table borders and runs of spaces are ignored, and
``...`` in a fragment stands for anything. ``export``/``unset`` lines change the session's
environment, ``NAME=$(COMMAND)`` stores a command's output, and a command ending in ``&``
runs in the background until the session ends (stopped by its PID).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GuideSession", "Step", "normalize", "steps_of"]

_BORDERS = re.compile(r"[│┌┐└┘─┬┴├┤┼┃┏┓┗┛━┳┻┡┩╇╭╮╰╯]")
_ASSIGN = re.compile(r"^([A-Z_][A-Z0-9_]*)=\$\((.*)\)$")


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)
    line: int = 0


def steps_of(markdown: str) -> list[Step]:
    """The commands of every ```console block, with their expected fragments."""
    steps: list[Step] = []
    inside = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("```"):
            inside = line.strip() == "```console"
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            steps.append(Step(line[2:].strip(), line=number))
        elif line.strip() and steps:
            steps[-1].expected.append(line.strip())
    return steps


def normalize(text: str) -> str:
    return " ".join(_BORDERS.sub(" ", text).split())


def _pattern(fragment: str) -> re.Pattern[str]:
    parts = [re.escape(normalize(p)) for p in fragment.split("...")]
    return re.compile(r".*?".join(parts), re.DOTALL)


class GuideSession:
    def __init__(self, cwd: Path, env: dict[str, str], timeout: float = 300.0) -> None:
        self.cwd = cwd
        self.env = dict(env)
        self.timeout = timeout
        self.background: list[subprocess.Popen[bytes]] = []

    def _expand(self, text: str) -> str:
        return re.sub(
            r"\$([A-Z_][A-Z0-9_]*)|\$\{([A-Z_][A-Z0-9_]*)\}",
            lambda m: self.env.get(m.group(1) or m.group(2), ""),
            text,
        )

    def _run(self, command: str) -> tuple[int, str]:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
        )
        return done.returncode, done.stdout + done.stderr

    def run(self, step: Step, where: str) -> str:
        """Run one step; AssertionError naming the guide line when it fails."""
        command = step.command
        if command.startswith("export "):
            name, _, value = command.removeprefix("export ").partition("=")
            self.env[name.strip()] = self._expand(value.strip().strip("'\""))
            return ""
        if command.startswith("unset "):
            for name in command.split()[1:]:
                self.env.pop(name, None)
            return ""
        assign = _ASSIGN.match(command)
        if assign:
            rc, out = self._run(assign.group(2))
            assert rc == 0, f"{where}:{step.line}: `{command}` exited {rc}:\n{out}"
            self.env[assign.group(1)] = out.strip()
            return out
        if command.endswith("&"):
            log = open(self.cwd / f"background-{len(self.background)}.log", "wb")  # noqa: SIM115
            self.background.append(
                subprocess.Popen(
                    ["bash", "-c", f"exec {command.removesuffix('&').strip()}"],
                    cwd=self.cwd,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            return ""
        rc, out = self._run(command)
        assert rc == 0, f"{where}:{step.line}: `{command}` exited {rc}:\n{out}"
        shown = normalize(out)
        for fragment in step.expected:
            assert _pattern(fragment).search(shown), (
                f"{where}:{step.line}: `{command}` did not print {fragment!r}:\n{out}"
            )
        return out

    def close(self) -> None:
        for process in self.background:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
