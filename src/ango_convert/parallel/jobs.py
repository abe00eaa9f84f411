"""Forked worker processes that each own some shards, with results merged in order.

Workers are forked at the start of each :meth:`Jobs.map` or :meth:`Jobs.staged` call,
so they see everything the parent holds at that moment (a loaded document, the
functions to run) without pickling it; only shard numbers, small summaries and seeds
cross the pipes. A shard is emitted by the worker that surveyed it, which keeps what it
built in between: shard ``k`` runs on worker ``k % N`` when workers hold one shard at a
time, and on whichever worker is free when every shard is surveyed first (so a worker
that drew slower shards does not hold the others up).

A worker that fails sends its error's text and the run raises :class:`ShardFailed`;
callers then run the conversion again in one process, which raises the same error as
a run without ``--jobs`` would (the first bad record in input order, say).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ango_convert.errors import AngoConvertError

if TYPE_CHECKING:  # multiprocessing loads only when workers start: imports stay cheap
    from multiprocessing.connection import Connection

S = TypeVar("S")  # what a shard's survey keeps in its worker
M = TypeVar("M")  # a survey's summary, sent to the parent
D = TypeVar("D")  # the parent's seed for a shard's emit
R = TypeVar("R")  # an emit's result, sent to the parent


class ShardFailed(AngoConvertError):
    """A worker failed on a shard; the conversion should run again in one process."""


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the OS tells)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


def can_fork() -> bool:
    """True where worker processes can be forked (not on Windows)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Stages(Generic[S, M, D, R]):
    """The four steps of a staged shard run (see :meth:`Jobs.staged`)."""

    def __init__(
        self,
        survey: Callable[[int], tuple[S, M]],
        settle: Callable[[int, M], D],
        emit: Callable[[S, D], R],
        take: Callable[[int, R], None],
    ) -> None:
        self.survey = survey
        self.settle = settle
        self.emit = emit
        self.take = take


class Jobs:
    """A number of worker processes for one conversion.

    Args:
        count: How many workers at most (1 runs everything in this process).
    """

    def __init__(self, count: int) -> None:
        self.count = max(1, count) if count > 1 and can_fork() else 1

    def map(self, function: Callable[[int], R], shards: int) -> list[R]:
        """``[function(k) for k in range(shards)]``, run across the workers.

        Raises:
            ShardFailed: ``function`` raised in a worker.
        """
        results: list[R] = []
        self.staged(
            shards,
            Stages(
                survey=lambda k: (None, function(k)),
                settle=lambda k, summary: None,
                emit=lambda state, seed: None,
                take=lambda k, result: None,
            ),
            barrier=True,
            summaries=results,
        )
        return results

    def staged(
        self,
        shards: int,
        stages: Stages[S, M, D, R],
        *,
        barrier: bool = False,
        summaries: list[M] | None = None,
    ) -> None:
        """Run ``survey`` on every shard in the workers, ``settle`` each summary in the
        parent in shard order, ``emit`` each shard under its seed in the worker that
        surveyed it, and ``take`` the results in the parent in shard order.

        Without ``barrier`` a worker settles and emits shard ``k`` before it surveys
        shard ``k + N``, so it holds one shard's state at a time; with ``barrier`` every
        shard is surveyed (and ``summaries`` filled) before the first is settled.

        Raises:
            ShardFailed: A stage raised in a worker.
        """
        workers = min(self.count, shards)
        if workers <= 1:
            _run_here(shards, stages, barrier, summaries)
            return
        pool = _Pool(workers, stages, keep=barrier)
        try:
            pool.run(shards, stages, barrier, summaries)
        finally:
            pool.close()


def _run_here(
    shards: int, stages: Stages[S, M, D, R], barrier: bool, summaries: list[M] | None
) -> None:
    if barrier:
        surveyed = [stages.survey(k) for k in range(shards)]
        if summaries is not None:
            summaries.extend(summary for _, summary in surveyed)
        seeds = [stages.settle(k, summary) for k, (_, summary) in enumerate(surveyed)]
        for k, ((state, _), seed) in enumerate(zip(surveyed, seeds, strict=True)):
            stages.take(k, stages.emit(state, seed))
        return
    for k in range(shards):
        state, summary = stages.survey(k)
        stages.take(k, stages.emit(state, stages.settle(k, summary)))


class _Pool:
    """Forked workers, one pipe each; shard ``k`` belongs to worker ``k % size``."""

    def __init__(self, size: int, stages: Stages[Any, Any, Any, Any], keep: bool) -> None:
        import multiprocessing

        for stream in (sys.stdout, sys.stderr):  # a child must not print the parent's
            with contextlib.suppress(OSError, ValueError):  # buffered text a second time
                stream.flush()
        context = multiprocessing.get_context("fork")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(size):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_serve, args=(child_end, stages, keep), daemon=True)
            process.start()
            child_end.close()
            self.pipes.append(parent_end)
            self.processes.append(process)

    def ask(self, k: int, stage: str, payload: Any = None, worker: int | None = None) -> None:
        pipe = self.pipes[k % len(self.pipes) if worker is None else worker]
        pipe.send((stage, k, payload))

    def answer(self, k: int, worker: int | None = None) -> Any:
        pipe = self.pipes[k % len(self.pipes) if worker is None else worker]
        try:
            status, shard, value = pipe.recv()
        except EOFError:
            raise ShardFailed(f"worker for shard {k} stopped without an answer") from None
        if status != "ok":
            raise ShardFailed(f"shard {shard}: {value}")
        return value

    def run(
        self,
        shards: int,
        stages: Stages[Any, Any, Any, Any],
        barrier: bool,
        summaries: list[Any] | None,
    ) -> None:
        size = len(self.pipes)
        if barrier:
            found, owners = self._survey_all(shards)
            if summaries is not None:
                summaries.extend(found)
            self._emit_all(stages, found, owners)
            return
        for k in range(min(size, shards)):
            self.ask(k, "survey")
        for k in range(shards):
            if k >= size:  # the worker emitted shard k - size before surveying k
                stages.take(k - size, self.answer(k - size))
            seed = stages.settle(k, self.answer(k))
            self.ask(k, "emit", seed)
            if k + size < shards:
                self.ask(k + size, "survey")
        for k in range(max(0, shards - size), shards):
            stages.take(k, self.answer(k))

    def _survey_all(self, shards: int) -> tuple[list[Any], list[int]]:
        """Every shard's survey, each handed to the next free worker; the summaries and
        the worker that holds each shard."""
        from multiprocessing.connection import wait

        found: list[Any] = [None] * shards
        owners = [0] * shards
        busy: dict[int, int] = {}  # worker -> the shard it is surveying
        waiting = iter(range(shards))
        for worker in range(len(self.pipes)):
            self._start_survey(next(waiting, None), worker, busy)
        while busy:
            for pipe in wait([self.pipes[worker] for worker in busy]):
                worker = self.pipes.index(pipe)  # type: ignore[arg-type]
                k = busy.pop(worker)
                found[k], owners[k] = self.answer(k, worker), worker
                self._start_survey(next(waiting, None), worker, busy)
        return found, owners

    def _start_survey(self, k: int | None, worker: int, busy: dict[int, int]) -> None:
        if k is not None:
            self.ask(k, "survey", worker=worker)
            busy[worker] = k

    def _emit_all(
        self, stages: Stages[Any, Any, Any, Any], found: list[Any], owners: list[int]
    ) -> None:
        """Settle and emit every shard in order on its owner, one request per worker in
        flight (so neither end of a pipe blocks), taking the results in shard order."""
        emitting: dict[int, int] = {}  # worker -> the shard it is emitting
        results: dict[int, Any] = {}
        taken = 0
        for k, summary in enumerate(found):
            seed = stages.settle(k, summary)
            worker = owners[k]
            if worker in emitting:
                earlier = emitting.pop(worker)
                results[earlier] = self.answer(earlier, worker)
            self.ask(k, "emit", seed, worker)
            emitting[worker] = k
            while taken in results:
                stages.take(taken, results.pop(taken))
                taken += 1
        for worker, k in sorted(emitting.items(), key=lambda pair: pair[1]):
            results[k] = self.answer(k, worker)
        for k in range(taken, len(found)):
            stages.take(k, results.pop(k))

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
            pipe.close()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _serve(pipe: Connection, stages: Stages[Any, Any, Any, Any], keep: bool) -> None:
    """A worker's loop: survey and emit shards until told to stop.

    With ``keep``, an emitted shard's state is kept until the worker ends instead of
    being freed: every state is alive at once anyway when all shards are surveyed
    first, and the worker ends without freeing anything (``os._exit``), which saves
    the time freeing millions of decoded objects takes (a few percent of a big run).
    """
    states: dict[int, Any] = {}
    emitted: list[Any] = []
    while True:
        try:
            message = pipe.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        stage, k, payload = message
        try:
            if stage == "survey":
                state, summary = stages.survey(k)
                states[k] = state
                reply: tuple[str, int, Any] = ("ok", k, summary)
            else:
                state = states.pop(k)
                reply = ("ok", k, stages.emit(state, payload))
                if keep:
                    emitted.append(state)
                del state
        except BaseException as exc:  # everything goes back to the parent, which decides
            reply = ("error", k, f"{type(exc).__name__}: {exc}")
        try:
            pipe.send(reply)
        except (OSError, KeyboardInterrupt):
            return
