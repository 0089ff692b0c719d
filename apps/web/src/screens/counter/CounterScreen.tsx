import { Shell } from '../../app/Shell';

// Being built: see the web issue. Replaced by the real screen.
export function CounterScreen() {
  return <Shell><h1>CounterScreen</h1></Shell>;
}
