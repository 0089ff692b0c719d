import { Shell } from '../../app/Shell';

// Being built: see the web issue. Replaced by the real screen.
export function AdminScreen() {
  return <Shell><h1>AdminScreen</h1></Shell>;
}
