// The subscriptions and the images of the one shown: loaded once, again on imageListsChanged.
import { useCallback, useEffect, useState } from 'react';
import type {
  ImageListImageView,
  ImageListSubscriptionView,
} from '../../../shared/domain/image-list.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';

export interface CatalogsState {
  subscriptions: ImageListSubscriptionView[] | null;
  /** The subscription shown: the one chosen, or the first when none is (or it went). */
  shown: string | null;
  /** The images of `shown`; null while loading or when there is none. */
  images: ImageListImageView[] | null;
  error: string | null;
}

export function useCatalogs(chosen: string | null): CatalogsState {
  const client = useClient();
  const [state, setState] = useState<CatalogsState>({
    subscriptions: null,
    shown: null,
    images: null,
    error: null,
  });
  const reload = useCallback(() => {
    const load = async (): Promise<CatalogsState> => {
      const subscriptions = await client.listImageLists();
      const shown = (subscriptions.find((s) => s.name === chosen) ?? subscriptions[0])?.name;
      const images = shown === undefined ? null : (await client.showImageList(shown)).images;
      return { subscriptions, shown: shown ?? null, images, error: null };
    };
    load()
      .then(setState)
      .catch((err: unknown) => setState((s) => ({ ...s, error: errorMessage(err) })));
  }, [client, chosen]);
  useEffect(() => {
    reload();
    return client.on('imageListsChanged', reload);
  }, [client, reload]);
  return state;
}
