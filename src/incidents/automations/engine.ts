import { isUserError } from '../../lib/errors.ts';
import type { Change, Core } from '../core.ts';
import { noticeEffect } from '../effect-kinds.ts';
import type { NewTimelineEvent } from '../incident-repository.ts';
import { actorOf } from '../permissions.ts';
import type { Incident } from '../types.ts';
import { ACTIONS } from './actions/index.ts';
import type { ActionContext } from './actions/action.ts';
import type { AutomationRepository } from './automation-repository.ts';
import { matches } from './filters.ts';
import { templateValues } from './template.ts';
import { EVENT_TRIGGERS, TIMER_TRIGGERS, factsOf } from './triggers.ts';
import { automationRef, isAutomationRef, type AutomationSpec, type EventFacts } from './types.ts';

const AND = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });

/** A firing's occasion: which trigger, the key that makes it once-only, and why it applies. */
interface Occasion {
  trigger: string;
  eventKey: string;
  /** "the page", for the filters' reasons ("the page's title matched …"). */
  what: string;
  /** The timer's own reason ("nobody acknowledged the page within 10 minutes"), if a timer. */
  because?: string;
  facts: EventFacts;
}

/**
 * Runs the automations of the settings file. Each firing is recorded in the transaction of the event
 * that caused it (or of the timer's tick), keyed by (automation, incident, event): a redelivered
 * event, a repeated tick or a restart finds the record and fires nothing more. What an automation
 * changes itself never fires another automation, so automations cannot loop.
 */
export class AutomationEngine {
  constructor(
    private readonly automations: AutomationSpec[],
    readonly repo: AutomationRepository,
  ) {}

  /** Called by the domain inside every change, with the timeline events it has just appended (and their ids). */
  react(core: Core, change: Change, events: { id: number; event: NewTimelineEvent }[]): void {
    for (const { id, event } of events) {
      if (isAutomationRef(event.actor)) continue;
      const ev = { kind: event.kind, body: event.body ?? null, data: event.data ?? {} };
      for (const [trigger, spec] of Object.entries(EVENT_TRIGGERS)) {
        if (!spec.kinds.includes(ev.kind) || (spec.applies && !spec.applies(ev))) continue;
        const candidates = this.active(trigger);
        if (candidates.length === 0) continue;
        const incident = core.require(event.incidentId);
        const facts = factsOf(incident, ev);
        for (const a of candidates)
          this.fire(core, change, a, incident, { trigger, eventKey: `event:${id}`, what: spec.what, facts });
      }
    }
  }

  /** The timers' tick: fires each timer automation whose time has run out for an open incident; returns how many fired. */
  tick(core: Core, now: number): number {
    const timed = Object.keys(TIMER_TRIGGERS).flatMap((t) => this.active(t));
    if (timed.length === 0) return 0;
    return core.transact((change) => {
      let fired = 0;
      for (const incident of core.deps.incidents.listOpen()) {
        for (const a of timed) {
          const timer = TIMER_TRIGGERS[a.when.event]!;
          const after = a.when.after_minutes ?? 0;
          const due = timer.dueAt(incident, after);
          if (due === null || now < due || this.repo.fired(a.name, incident.id, a.when.event)) continue;
          const occasion: Occasion = {
            trigger: a.when.event,
            eventKey: a.when.event,
            what: 'the incident',
            because: `${timer.what} within ${after} minute${after === 1 ? '' : 's'}`,
            facts: factsOf(incident, null),
          };
          if (this.fire(core, change, a, incident, occasion)) fired++;
        }
      }
      return fired;
    });
  }

  private active(trigger: string): AutomationSpec[] {
    return this.automations.filter((a) => a.when.event === trigger && a.mode !== 'off');
  }

  private fire(core: Core, change: Change, a: AutomationSpec, incident: Incident, o: Occasion): boolean {
    if (this.repo.paused(incident.id)) return false;
    const reasons = matches(a.when, o.facts, o.what);
    if (reasons === null) return false;
    const dryRun = a.mode === 'dry-run';
    const steps = a.do.map((step) => {
      const [name, params] = Object.entries(step)[0]!;
      return { name, params, action: ACTIONS[name]! };
    });
    const did = steps.map((s) => (dryRun ? s.action.would(s.params as never) : s.action.done(s.params as never)));
    const because = [...(o.because ? [o.because] : []), ...reasons];
    const text =
      `automation ${a.name} ${AND.format(did)} ` + (because.length ? `because ${AND.format(because)}` : `on ${o.what}`);
    const firingId = this.repo.record({
      automation: a.name,
      incidentId: incident.id,
      eventKey: o.eventKey,
      event: o.trigger,
      mode: dryRun ? 'dry-run' : 'on',
      reason: because.join('; ') || o.what,
      actions: did,
      at: change.at,
    });
    if (firingId === null) return false;
    const actor = actorOf(automationRef(a.name));
    change.event({
      incidentId: incident.id,
      kind: 'automation_fired',
      actor: actor.id,
      body: text,
      data: { automation: a.name, event: o.trigger, mode: a.mode, firing: firingId },
    });
    const notes: string[] = [];
    // The firing's notice comes before anything its actions post, though it is written after them (it shows their notes).
    const noticeAt = change.effects.length;
    if (!dryRun) {
      const values = templateValues(incident, o.facts);
      steps.forEach((s, index) => {
        const ctx: ActionContext = {
          core,
          change,
          incident,
          automation: a.name,
          firingId,
          index,
          values,
          actor,
          notes,
        };
        this.applyOne(ctx, s.name, () => s.action.apply(ctx, s.params as never));
      });
    }
    change.effects.splice(
      noticeAt,
      0,
      noticeEffect(incident.id, `automation:${firingId}`, {
        type: 'automation',
        automation: a.name,
        text,
        dryRun,
        notes,
      }),
    );
    return true;
  }

  /** One action, undone alone if it is refused: the refusal goes on the timeline and the others still act. */
  private applyOne(ctx: ActionContext, name: string, apply: () => void): void {
    const { change } = ctx;
    const events = change.events.length;
    const effects = change.effects.length;
    const notes = ctx.notes.length;
    try {
      ctx.core.deps.db.transaction(apply)();
    } catch (error) {
      if (!isUserError(error)) throw error;
      change.events.length = events;
      change.effects.length = effects;
      ctx.notes.length = notes;
      const text = `automation ${ctx.automation}: action ${name} was not done: ${error.message}`;
      change.event({
        incidentId: ctx.incident.id,
        kind: 'automation_failed',
        actor: ctx.actor.id,
        body: text,
        data: { automation: ctx.automation, action: name, firing: ctx.firingId },
      });
      change.effect(
        noticeEffect(ctx.incident.id, `automation:${ctx.firingId}:${ctx.index}:failed`, {
          type: 'automation_failed',
          automation: ctx.automation,
          text,
        }),
      );
    }
  }
}
