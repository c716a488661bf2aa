"""Pure domain pieces every service's deciders share: the refusal and the checks of units, times and text."""
