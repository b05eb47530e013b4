"""What every transcript says about talking over: a question cut short, an answer that went on.

One wording for all the places a session is shown (transcript.md, report.html,
``sessions show``, ``replay``, exports), so they agree:

- a question the candidate talked over shows what was played, marked as cut;
- an answer the candidate resumed over the interviewer's reply is one answer,
  followed by a note of the reply that was stopped;
- words said over the interviewer that did not stop it ("mm-hm") are noted
  under the question they were said over.
"""

from __future__ import annotations

from voiceinterviewer.session.record import Question, Turn

CUT_MARK = "[cut off]"


def question_text(q: Question) -> str:
    """The question as heard; one the candidate talked over is marked as cut off."""
    if not q.interrupted:
        return q.text
    heard = q.text.strip() or "…"
    return f"{heard} {CUT_MARK}"


def turn_notes(turn: Turn) -> list[str]:
    """Notes that go after the answer of ``turn``, in the order they happened."""
    notes = []
    for aside in turn.asides:
        notes.append(f'You said over the interviewer: "{aside}"')
    for cut in turn.cut_replies:
        if cut.text.strip():
            notes.append(
                f'The interviewer began "{cut.text.strip()}" and stopped as you went on; '
                "your answer continued above."
            )
        else:
            notes.append("You went on before the interviewer's reply began; one answer.")
    return notes
