import type { FormRequest } from '../commands/types.ts';
import type { Settings } from '../config/settings.ts';
import { maintenanceModal } from './maintenance-views.ts';
import { runbookParamsModal } from './runbook-views.ts';
import { declareModal, updateModal } from './views.ts';

type FormViews = {
  [K in FormRequest['kind']]: (form: Extract<FormRequest, { kind: K }>, settings: Settings) => Record<string, unknown>;
};

/** The Block Kit modal for each form a command asks for. */
const FORM_VIEWS: FormViews = {
  declare: (form, settings) => declareModal(settings.default_severity, form.channelId, settings.components, form.quote),
  maintenance: (form, settings) => maintenanceModal(form.channelId, settings.components, settings.timezone),
  update: (form, settings) => updateModal(form.incident, settings.components),
  runbook_params: (form) =>
    runbookParamsModal(form.runbook, { incidentId: form.incidentId, given: form.given, dryRun: form.dryRun }),
};

export function formView(form: FormRequest, settings: Settings): Record<string, unknown> {
  return (FORM_VIEWS[form.kind] as (f: FormRequest, s: Settings) => Record<string, unknown>)(form, settings);
}
