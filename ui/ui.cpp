#include "ui.h"
namespace l2met::ui {
int version() { return 1; }
}
