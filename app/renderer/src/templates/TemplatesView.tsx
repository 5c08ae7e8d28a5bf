// Templates and ISOs registered by URL: each record's state, download state, size and the storage
// pools holding a copy; register, check a URL, provision a VM from one, remove; and the
// certificates for HTTPS downloads.
import { useState } from 'react';
import type { TemplateView } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { ConfirmButton } from '../common/ConfirmButton.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';
import { formatBytes } from '../common/format.js';
import { templateSource } from '../image-store/provision-form.js';
import { sourceDragProps } from '../image-store/source-drag.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore } from '../store/view-store.js';
import { CertificatesPanel } from './CertificatesPanel.js';
import { CheckUrlDialog } from './CheckUrlDialog.js';
import { RegisterTemplateDialog } from './RegisterTemplateDialog.js';
import { useTemplates } from './use-templates.js';

export function TemplatesView() {
  const { templates, certificates, error } = useTemplates();
  const [dialog, setDialog] = useState<'register' | 'check' | null>(null);
  return (
    <section className="screen" aria-labelledby="templates-title">
      <header className="screen-header">
        <h1 id="templates-title">Templates and ISOs</h1>
        <div className="actions">
          <button type="button" onClick={() => setDialog('check')}>
            Check URL…
          </button>
          <button type="button" className="primary" onClick={() => setDialog('register')}>
            Register…
          </button>
        </div>
      </header>
      <ErrorBox>{error}</ErrorBox>
      <section className="panel" aria-label="Registered templates and ISOs">
        <TemplateTable templates={templates} />
      </section>
      <CertificatesPanel certificates={certificates} />
      {dialog === 'register' ? (
        <RegisterTemplateDialog
          clientCertificates={(certificates ?? [])
            .filter((c) => c.kind === 'client')
            .map((c) => c.name)}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog === 'check' ? <CheckUrlDialog onClose={() => setDialog(null)} /> : null}
    </section>
  );
}

function TemplateTable({ templates }: { templates: TemplateView[] | null }) {
  const openProvision = useViewStore((s) => s.openProvision);
  if (templates === null) return <p role="status">Loading…</p>;
  if (templates.length === 0) {
    return <p role="status">No templates or ISOs yet: register one by its URL.</p>;
  }
  return (
    <table className="table" aria-label="Templates and ISOs">
      <ColumnHeaders
        columns={[
          'Name',
          'Format',
          'OS',
          'Hypervisor',
          'State',
          'Download',
          'Size',
          'Pools with a copy',
          { title: 'HTTP headers', hint: 'Names only: the values are secrets' },
          'Actions',
        ]}
      />
      <tbody>
        {templates.map((t) => (
          // A Ready row can be dragged onto a host of the fleet tree, like an appliance card.
          <tr key={t.name} {...(t.state === 'Ready' ? sourceDragProps(templateSource(t)) : {})}>
            <th scope="row" title={t.url}>
              {t.name}
            </th>
            <td>{t.format}</td>
            <td>{t.os ?? '–'}</td>
            <td>{t.hypervisor}</td>
            <td>{t.state}</td>
            <td>{t.downloadState}</td>
            <td>{t.size === null ? '–' : formatBytes(t.size)}</td>
            <td>{t.pools.length ? t.pools.map((p) => p.pool).join(', ') : 'none yet'}</td>
            <td>{t.headerNames.length ? t.headerNames.join(', ') : '–'}</td>
            <td className="row-actions">
              {t.state === 'Ready' ? (
                <button
                  type="button"
                  aria-label={`Provision a VM from ${t.name}`}
                  onClick={() => openProvision({ appliance: null, host: null, template: t.name })}
                >
                  Provision…
                </button>
              ) : null}
              <RemoveButton template={t} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RemoveButton({ template }: { template: TemplateView }) {
  const client = useClient();
  const notify = useFleetStore((s) => s.notify);
  const remove = () => {
    client
      .removeTemplate(template.name)
      .then(({ leftOnPools }) =>
        notify(
          'info',
          leftOnPools.length
            ? `Removed ${template.name}; its copies stay on ${leftOnPools.map((p) => p.pool).join(', ')}.`
            : `Removed ${template.name}.`,
        ),
      )
      .catch((err: unknown) => notify('error', `Remove ${template.name}: ${errorMessage(err)}`));
  };
  return (
    <ConfirmButton
      label={`Remove ${template.name}`}
      question={`Remove ${template.name}?`}
      confirm={`Really remove ${template.name}`}
      onConfirm={remove}
    >
      Remove…
    </ConfirmButton>
  );
}
