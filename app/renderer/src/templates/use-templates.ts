// The templates and certificates the view shows: loaded once, again on templatesChanged.
import { useCallback, useEffect, useState } from 'react';
import type { CertificateInfo, TemplateView } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';

export interface TemplatesState {
  templates: TemplateView[] | null;
  certificates: CertificateInfo[] | null;
  error: string | null;
}

export function useTemplates(): TemplatesState & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<TemplatesState>({
    templates: null,
    certificates: null,
    error: null,
  });
  const reload = useCallback(() => {
    Promise.all([client.listTemplates(), client.listCertificates()])
      .then(([templates, certificates]) => setState({ templates, certificates, error: null }))
      .catch((err: unknown) => setState((s) => ({ ...s, error: errorMessage(err) })));
  }, [client]);
  useEffect(() => {
    reload();
    return client.on('templatesChanged', reload);
  }, [client, reload]);
  return { ...state, reload };
}
