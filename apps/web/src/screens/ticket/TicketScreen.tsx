import { Shell } from '../../app/Shell';

// Being built: see the web issue. Replaced by the real screen.
export function TicketScreen() {
  return <Shell><h1>TicketScreen</h1></Shell>;
}
